// Package frontend embeds the built UI (frontend/dist) into the binary. `make build` runs the
// Vite build first; a clean clone holds only dist/.gitkeep, and the server then shows a page
// explaining how to build the UI.
package frontend

import "embed"

// Dist is the Vite build output.
//
//go:embed all:dist
var Dist embed.FS
