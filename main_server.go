//go:build !desktop

package main

// hasDesktop is false in the headless build: `parley` with no command serves.
const hasDesktop = false

func (c *cli) runDesktop(s *settings) error { return c.runServer(s) }
