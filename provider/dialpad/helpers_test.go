package dialpad

import "voiceid/provider/providertest"

// The helpers every provider's reader tests share (package providertest).
var (
	newClock     = providertest.Clock
	busiest      = providertest.Busiest
	answerInTurn = providertest.AnswerInTurn
	stoppedAt    = providertest.StoppedAt
	samePeople   = providertest.SamePeople
)

const pastLastPage = providertest.PastLastPage
