// Package all is voiceid's registry of providers, the one place that names
// them: config, the command line, the demo and the bench iterate over
// Plugins, in the order reports show them. A new provider is its package
// under provider/ and one line here.
package all

import (
	"voiceid/provider"
	"voiceid/provider/aircall"
	"voiceid/provider/dialpad"
	"voiceid/provider/ringcentral"
)

// Plugins are the providers voiceid knows, in report order.
func Plugins() []provider.Plugin {
	return []provider.Plugin{ringcentral.Plugin(), aircall.Plugin(), dialpad.Plugin()}
}

// Infos are the providers' metadata, in report order.
func Infos() []provider.Info {
	var out []provider.Info
	for _, p := range Plugins() {
		out = append(out, p.Info)
	}
	return out
}
