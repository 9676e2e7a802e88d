package zoomphone

import (
	"fmt"

	"voiceid/sandbox"
)

// Token is the stack's made-up credential, which the simulator accepts.
const Token = "sim-zoomphone-token"

// Field is the provider's identifier field on the simulated User object.
var Field = sandbox.Field{Provider: string(Name), Name: "x__Zoom_Phone_User_Identifier__c", Label: Info.Label}

// Org is the provider's part of a generated organisation.
type Org struct{ Users []User }

// InOrg is the provider's part of org; nil when org was made without it.
func InOrg(org *sandbox.Org) *Org {
	p, _ := org.Part(string(Name)).(*Org)
	return p
}

// InStack is the stack's simulator of the provider, or nil.
func InStack(s *sandbox.Stack) *Sim {
	sim, _ := s.Sim(string(Name)).(*Sim)
	return sim
}

// Simulator is the provider's simulator as the sandbox takes it: a tenth of
// the company, no field filled yet.
func Simulator() sandbox.Simulator {
	return sandbox.Simulator{Name: string(Name), Title: Info.Title, Field: Field, Share: sandbox.Share{Users: 0.1},
		Generate: func(_ *sandbox.Gen, share sandbox.Share) sandbox.Generator {
			return &generator{share: share, part: &Org{}}
		},
		Start:    func(org *sandbox.Org) (sandbox.Sim, error) { return NewSim(InOrg(org).Users, Token), nil },
		Count:    func(org *sandbox.Org) string { return fmt.Sprintf("%d Zoom Phone users", len(InOrg(org).Users)) },
		MinCalls: func(org *sandbox.Org) int { return max(1, (len(InOrg(org).Users)+pageSize-1)/pageSize) },
		Budget:   func(calls int) string { return fmt.Sprintf("Zoom Phone %d calls", calls) },
	}
}

// generator puts the first share of every hundred bulk people on the
// provider. It draws nothing, so the other providers' parts stay as they are.
type generator struct {
	sandbox.Hooks
	share sandbox.Share
	part  *Org
}

func (g *generator) Part() any { return g.part }

func (g *generator) After(p sandbox.Person, _ *sandbox.SFUser) {
	if float64(p.Index%100) < g.share.Users*100 {
		g.part.Users = append(g.part.Users, User{ID: fmt.Sprintf("zp-%06d", p.Index), Name: p.First + " " + p.Last,
			Email: p.Email, Extension: fmt.Sprint(7000 + p.Index)})
	}
}
