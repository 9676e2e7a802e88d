// Package all is voiceid's registry of providers, the one place that names
// them: config, the command line, the demo and the bench iterate over
// Plugins, in the order reports show them, and over their Simulators. A new
// provider is its package under provider/ and one line in each list here.
package all

import (
	"voiceid/provider"
	"voiceid/provider/aircall"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/dialpad"
	"voiceid/provider/dialpad/dialpadsim"
	"voiceid/provider/ringcentral"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/sandbox"
)

// Plugins are the providers voiceid knows, in report order.
func Plugins() []provider.Plugin {
	return []provider.Plugin{ringcentral.Plugin(), aircall.Plugin(), dialpad.Plugin()}
}

// Simulators are the providers' simulators, in the order of Plugins: the
// demo, the bench and the tests generate organisations and start stacks
// with them.
func Simulators() []sandbox.Simulator {
	return []sandbox.Simulator{ringcentralsim.Simulator(), aircallsim.Simulator(), dialpadsim.Simulator()}
}

// Infos are the providers' metadata, in report order.
func Infos() []provider.Info {
	var out []provider.Info
	for _, p := range Plugins() {
		out = append(out, p.Info)
	}
	return out
}
