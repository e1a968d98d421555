// Package build holds the Wails packaging assets (build/appicon.png, made by
// `go run ./scripts/appicon build/appicon.png`) and embeds the icon so the desktop shell can set
// its window icon without reading files at run time.
package build

import _ "embed"

// AppIcon is the 1024×1024 PNG application icon.
//
//go:embed appicon.png
var AppIcon []byte
