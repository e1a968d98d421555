package api

import (
	"sync"
	"testing"
)

func TestOrdersAPI(t *testing.T) {
	h := newHarness(t)
	ana := h.contact("Ana")
	body := map[string]any{"contact_id": ana, "title": "Pedido #77", "value_cents": 4990, "source": "webhook", "external_id": "77"}
	if code := h.do("POST", "/orders", h.adminToken, body, nil); code != 404 {
		t.Fatalf("orders module is off by default: %d", code)
	}
	h.module("orders", true)

	var o map[string]any
	if code := h.do("POST", "/orders", h.adminToken, body, &o); code != 201 {
		t.Fatalf("create: %d %v", code, o)
	}
	if o["currency"] != "BRL" || o["status"] != "pending" || o["paid_at"] != nil || o["deal"] != nil ||
		o["contact"].(map[string]any)["name"] != "Ana" || o["ordered_at"].(float64) < 1e9 {
		t.Fatalf("shape: %v", o)
	}
	id := o["id"].(float64)
	body["status"] = "paid"
	var again map[string]any
	if code := h.do("POST", "/orders", h.adminToken, body, &again); code != 200 || again["id"].(float64) != id || again["paid_at"] == nil {
		t.Fatalf("resend: %d %v", code, again)
	}
	// Concurrent first sends of one order make one order.
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.do("POST", "/orders", h.agentToken, map[string]any{"contact_id": ana, "title": "API", "source": "api", "external_id": "A-1"}, nil)
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		if c == 201 {
			created++
		} else if c != 200 {
			t.Fatalf("codes %v", codes)
		}
	}
	if created != 1 {
		t.Fatalf("codes %v: want one 201", codes)
	}
	var list struct {
		Meta    struct{ Count, CurrentPage int } `json:"meta"`
		Payload []map[string]any                 `json:"payload"`
	}
	if code := h.do("GET", "/orders?contact_id="+itoa(ana), h.agentToken, nil, &list); code != 200 || list.Meta.Count != 2 {
		t.Fatalf("list: %d %+v", code, list)
	}
	var problem struct {
		Errors []struct{ Location, Message string } `json:"errors"`
	}
	if code := h.do("POST", "/orders", h.adminToken, map[string]any{"contact_id": ana, "title": "x", "deal_id": 999}, &problem); code != 422 ||
		len(problem.Errors) != 1 || problem.Errors[0].Location != "body.deal_id" {
		t.Fatalf("bad deal: %d %+v", code, problem)
	}
	if code := h.do("PATCH", "/orders/"+itoa(uint64(id)), h.adminToken, map[string]any{"status": "refunded", "paid_at": ""}, &o); code != 200 || o["paid_at"] != nil || o["status"] != "refunded" {
		t.Fatalf("clear paid_at: %d %v", code, o)
	}
	if code := h.do("DELETE", "/orders/"+itoa(uint64(id)), h.agentToken, nil, nil); code != 200 && code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code := h.do("GET", "/orders/"+itoa(uint64(id)), h.adminToken, nil, nil); code != 404 {
		t.Fatalf("deleted: %d", code)
	}
}

func TestCatalogAPI(t *testing.T) {
	h := newHarness(t)
	var p map[string]any
	if code := h.do("POST", "/catalog/products", h.adminToken, map[string]any{"name": "Consultoria", "sku": "C-1", "price_cents": 15000}, &p); code != 201 {
		t.Fatalf("create: %d %v", code, p)
	}
	if p["currency"] != "BRL" || p["active"] != true || p["description"] != "" {
		t.Fatalf("shape: %v", p)
	}
	if code := h.do("POST", "/catalog/products", h.adminToken, map[string]any{"name": "Other", "sku": "c-1"}, nil); code != 409 {
		t.Fatalf("sku clash: %d", code)
	}
	if code := h.do("POST", "/catalog/products", h.agentToken, map[string]any{"name": "Agent's"}, nil); code != 403 {
		t.Fatalf("agent writes the catalog: %d", code)
	}
	var list struct {
		Meta    struct{ Count int } `json:"meta"`
		Payload []map[string]any    `json:"payload"`
	}
	if code := h.do("GET", "/catalog/products?q=consul&active=true", h.agentToken, nil, &list); code != 200 || list.Meta.Count != 1 {
		t.Fatalf("list: %d %+v", code, list)
	}
	id := itoa(uint64(p["id"].(float64)))
	if code := h.do("PATCH", "/catalog/products/"+id, h.adminToken, map[string]any{"active": false}, &p); code != 200 || p["active"] != false {
		t.Fatalf("archive: %d %v", code, p)
	}
	h.module("catalog", false)
	if code := h.do("GET", "/catalog/products/"+id, h.adminToken, nil, nil); code != 404 {
		t.Fatalf("catalog off: %d", code)
	}
	h.module("catalog", true)
	if code := h.do("DELETE", "/catalog/products/"+id, h.adminToken, nil, nil); code != 200 && code != 204 {
		t.Fatalf("delete: %d", code)
	}
}
