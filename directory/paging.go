package directory

import "fmt"

// pageProgress stops a list read that no longer advances. A page that holds
// only records already read (a proxy answering page 1 for every page, a
// cursor that leads back), or records past the total the server reported,
// would otherwise be followed by the same request again and again: once a
// run sent 5,146 requests that way. Total < 0 or perPage <= 0: unknown.
func pageProgress(provider, endpoint string, page, records, fresh, total, perPage int) error {
	switch {
	case records > 0 && fresh == 0:
		return fmt.Errorf("%s: %w: GET %s page %d holds no record that earlier pages did not: the list is not advancing, so the read stopped; "+
			"if a proxy stands between voiceid and %s, make it pass each request's query through", provider, ErrIncomplete, endpoint, page, provider)
	case records > 0 && total >= 0 && perPage > 0 && page > (total+perPage-1)/perPage:
		return fmt.Errorf("%s: %w: GET %s page %d holds records past the %d the server reported (%d pages of %d): the read stopped; "+
			"if a proxy stands between voiceid and %s, make it pass each request's query through", provider, ErrIncomplete, endpoint, page,
			total, (total+perPage-1)/perPage, perPage, provider)
	}
	return nil
}
