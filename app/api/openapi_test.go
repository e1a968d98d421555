package api

import (
	"bytes"
	"os"
	"testing"
)

// committedDocument is the copy the frontend generates its API types from.
const committedDocument = "../../frontend/src/api/openapi.json"

// TestOpenAPIDocumentIsCommitted keeps the frontend's generated types honest: the committed
// document must be the one this code serves. After changing the API, run `make api-types`.
func TestOpenAPIDocumentIsCommitted(t *testing.T) {
	doc, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, '\n')
	if os.Getenv("PARLEY_UPDATE_OPENAPI") != "" {
		if err := os.WriteFile(committedDocument, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(committedDocument)
	if err != nil {
		t.Fatalf("%v: run `make api-types`", err)
	}
	if !bytes.Equal(committed, doc) {
		t.Fatalf("%s is stale: the API changed; run `make api-types` and commit the result", committedDocument)
	}
}
