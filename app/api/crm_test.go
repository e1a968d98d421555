package api

import (
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/crm"
)

func TestDealAPI(t *testing.T) {
	// The agent's role can see the CRM but not manage it.
	h := newHarness(t, withAgent("Vera Viewer", "vera@example.com", map[string]access.Level{crm.Module: access.View}))
	var tmpls struct {
		Payload []crm.Template `json:"payload"`
	}
	if code := h.do("GET", "/pipelines/templates", h.adminToken, nil, &tmpls); code != 200 || len(tmpls.Payload) != 6 || tmpls.Payload[0].Name != "B2B sales" {
		t.Fatalf("templates %d %+v", code, tmpls)
	}
	var p crm.PipelineView
	if code := h.do("POST", "/pipelines", h.adminToken, map[string]any{"template": "b2b_sales"}, &p); code != 201 || len(p.Stages) != 7 {
		t.Fatalf("create pipeline %d %+v", code, p)
	}
	var prob problem
	bad := map[string]any{"name": "X", "stages": []map[string]any{{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "W", "kind": "won", "probability": 80}}}
	if code := h.do("POST", "/pipelines", h.adminToken, bad, &prob); code != 422 || prob.at("body.stages[4].probability") == "" {
		t.Fatalf("bad stages %d %+v", code, prob)
	}
	var d crm.DealView
	if code := h.do("POST", "/deals", h.adminToken, map[string]any{"pipeline_id": p.ID, "title": "Consultoria Acme", "value_cents": 150000, "priority": "high"}, &d); code != 201 ||
		d.StageID != p.Stages[0].ID || d.Currency != "BRL" || d.Priority != "high" || d.Owner == nil || d.Health != crm.HealthOnTrack {
		t.Fatalf("create deal %d %+v", code, d)
	}
	if code := h.do("POST", "/deals", h.agentToken, map[string]any{"pipeline_id": p.ID, "title": "x"}, nil); code != 403 {
		t.Fatalf("viewer creates: %d", code)
	}
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/move", h.agentToken, map[string]any{"stage_id": p.Stages[1].ID}, nil); code != 403 {
		t.Fatalf("viewer moves: %d", code)
	}
	if code := h.do("GET", "/deals/"+itoa(d.ID), h.agentToken, nil, nil); code != 200 {
		t.Fatalf("viewer reads: %d", code)
	}
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/move", h.adminToken, map[string]any{"stage_id": p.Stages[1].ID, "index": 0}, &d); code != 200 || d.StageID != p.Stages[1].ID {
		t.Fatalf("move %d %+v", code, d)
	}
	var board crm.Board
	if code := h.do("GET", "/pipelines/"+itoa(p.ID)+"/board?priority=high", h.adminToken, nil, &board); code != 200 || board.Columns[1].Count != 1 || board.Columns[1].TotalCents["BRL"] != 150000 || board.Columns[1].WeightedCents["BRL"] != 37500 {
		t.Fatalf("board %d %+v", code, board.Columns)
	}
	var li crm.LineItemView
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/line_items", h.adminToken, map[string]any{"name": "Horas", "quantity": 10, "unit_price_cents": 20000, "discount_type": "percent", "discount_value": 5}, &li); code != 201 || li.TotalCents != 190000 {
		t.Fatalf("line item %d %+v", code, li)
	}
	if code := h.do("PATCH", "/deals/"+itoa(d.ID), h.adminToken, map[string]any{"value_cents": 1}, &prob); code != 422 || prob.at("body.value_cents") == "" {
		t.Fatalf("value with lines %d %+v", code, prob)
	}
	// Attachments: upload, download with its name, counters.
	if res, _ := h.upload("/deals/"+itoa(d.ID)+"/attachments", h.adminToken, "file", "proposta.pdf", []byte("%PDF-1.4 hello")); res.StatusCode != 201 {
		t.Fatalf("upload %d", res.StatusCode)
	}
	var files struct {
		Payload []crm.DealAttachmentView `json:"payload"`
	}
	h.do("GET", "/deals/"+itoa(d.ID)+"/attachments", h.adminToken, nil, &files)
	if len(files.Payload) != 1 {
		t.Fatalf("files %+v", files)
	}
	res, got := h.req("GET", files.Payload[0].URL, h.adminToken, "", nil)
	if res.StatusCode != 200 || string(got) != "%PDF-1.4 hello" || res.Header.Get("Content-Disposition") != `attachment; filename=proposta.pdf` {
		t.Fatalf("download %d %q %q", res.StatusCode, got, res.Header.Get("Content-Disposition"))
	}
	if res, _ := h.req("GET", files.Payload[0].URL, "", "", nil); res.StatusCode != 401 {
		t.Fatalf("download without a session: %d", res.StatusCode)
	}
	h.do("GET", "/deals/"+itoa(d.ID), h.adminToken, nil, &d)
	if d.ValueCents != 190000 || d.ValueMode != "auto" || d.Counters.Attachments != 1 || d.Counters.LineItems != 1 {
		t.Fatalf("deal after parts %+v", d)
	}
	// Keyword search through Bleve.
	h.index()
	var list crm.DealList
	if code := h.do("GET", "/deals?q=acme", h.adminToken, nil, &list); code != 200 || list.Meta.Count != 1 || list.Payload[0].ID != d.ID {
		t.Fatalf("search %d %+v", code, list)
	}
	var miss crm.DealList
	if code := h.do("GET", "/deals?q=zzzz", h.adminToken, nil, &miss); code != 200 || miss.Meta.Count != 0 {
		t.Fatalf("search miss %d %+v", code, miss.Meta)
	}
	var hist struct {
		Payload []crm.DealHistoryView `json:"payload"`
	}
	if code := h.do("GET", "/deals/"+itoa(d.ID)+"/history", h.adminToken, nil, &hist); code != 200 || len(hist.Payload) != 2 || hist.Payload[0].ToStageID != p.Stages[1].ID {
		t.Fatalf("history %d %+v", code, hist)
	}
	if code := h.do("DELETE", "/pipelines/"+itoa(p.ID), h.adminToken, nil, nil); code != 409 {
		t.Fatalf("delete pipeline with deals: %d", code)
	}
	// The module switch.
	h.module(crm.Module, false)
	if code := h.do("GET", "/deals/"+itoa(d.ID), h.adminToken, nil, nil); code != 404 {
		t.Fatalf("module off: %d", code)
	}
}
