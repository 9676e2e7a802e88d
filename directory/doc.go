// Package directory reads the people of the telephony providers (RingCentral's
// company directory and Aircall's users) and turns them into match.Person
// values. The HTTP details of each API stay here; the rest of voiceid sees
// only Person.
package directory
