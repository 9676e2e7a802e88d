package ringcentral

import "voiceid/provider/providertest"

// The helpers every provider's reader tests share (package providertest).
var (
	newClock     = providertest.Clock
	checkAll     = providertest.CheckAll
	answerInTurn = providertest.AnswerInTurn
	stoppedAt    = providertest.StoppedAt
	samePeople   = providertest.SamePeople
)

const pastLastPage = providertest.PastLastPage
