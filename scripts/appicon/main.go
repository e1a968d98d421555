// Command appicon draws Parley's application icon (build/appicon.png): a white speech bubble with
// three typing dots on a rounded square in the brand indigo. The icon is generated rather than
// drawn by hand so it can be re-made at any size and reviewed as code.
//
//	go run ./scripts/appicon build/appicon.png
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size = 1024

// Brand colours: #4F46E5 in the middle of a gentle top-to-bottom gradient.
var (
	top    = [3]float64{0x63, 0x66, 0xF1}
	middle = [3]float64{0x4F, 0x46, 0xE5}
	bottom = [3]float64{0x43, 0x38, 0xCA}
	white  = [3]float64{0xFF, 0xFF, 0xFF}
	ink    = middle
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: appicon OUT.png")
		os.Exit(2)
	}
	img := render(size)
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := png.Encode(f, img); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// render supersamples every pixel 4×4 so the curved edges come out smooth.
func render(n int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	const ss = 4
	scale := 1024.0 / float64(n)
	for py := 0; py < n; py++ {
		for px := 0; px < n; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) * scale
					y := (float64(py) + (float64(sy)+0.5)/ss) * scale
					c, alpha := sample(x, y)
					r += c[0] * alpha
					g += c[1] * alpha
					b += c[2] * alpha
					a += alpha
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
				A: uint8(math.Round(a / (ss * ss) * 255)),
			})
		}
	}
	return img
}

// sample returns the colour and coverage of one point in a 1024×1024 design space.
func sample(x, y float64) ([3]float64, float64) {
	if !inRoundRect(x, y, 64, 64, 960, 960, 208) {
		return [3]float64{}, 0
	}
	if inDot(x, y) {
		return ink, 1
	}
	if inBubble(x, y) {
		return white, 1
	}
	t := (y - 64) / 896
	if t < 0.5 {
		return mix(top, middle, t*2), 1
	}
	return mix(middle, bottom, (t-0.5)*2), 1
}

func inBubble(x, y float64) bool {
	if inRoundRect(x, y, 224, 256, 800, 672, 132) {
		return true
	}
	// The tail: a triangle leaving the bubble's lower left, its tip pointing down and left.
	return inTriangle(x, y, 300, 600, 470, 660, 268, 820)
}

func inDot(x, y float64) bool {
	for _, cx := range []float64{376, 512, 648} {
		if (x-cx)*(x-cx)+(y-464)*(y-464) <= 50*50 {
			return true
		}
	}
	return false
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

func inTriangle(x, y, ax, ay, bx, by, cx, cy float64) bool {
	d1 := (x-bx)*(ay-by) - (ax-bx)*(y-by)
	d2 := (x-cx)*(by-cy) - (bx-cx)*(y-cy)
	d3 := (x-ax)*(cy-ay) - (cx-ax)*(y-ay)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

func mix(a, b [3]float64, t float64) [3]float64 {
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}
