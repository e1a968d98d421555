package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/app"
)

// The demo fills every area once (a second run adds nothing) and what it makes is what the
// screens show: tasks in lists, a recurring routine, a blocked task, subtasks from the template
// and a manual action.
func TestDemoFillsTasksOnce(t *testing.T) {
	h := start(t)
	for range 2 {
		if err := h.app.Demo(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r := h.must(h.call("POST", "/api/v1/auth/login", "", map[string]any{"email": app.DemoEmail, "password": app.DemoPassword}), 200)
	token, _ := r.Body["token"].(string)
	accounts, _ := r.Body["user"].(map[string]any)["accounts"].([]any)
	if token == "" || len(accounts) == 0 {
		t.Fatalf("login: %s", r.Raw)
	}
	base := fmt.Sprintf("/api/v1/accounts/%v", accounts[0].(map[string]any)["id"])

	lists := h.must(h.call("GET", base+"/task_lists", token, nil), 200).Body["payload"].([]any)
	if len(lists) != 4 { // three lists and the manual actions queue
		t.Fatalf("lists: %d", len(lists))
	}
	page := h.must(h.call("GET", base+"/tasks?per_page=200", token, nil), 200).Body
	all := page["payload"].([]any)
	var recurring, blocked, subtasks, actions, overdue int
	for _, v := range all {
		task := v.(map[string]any)
		if task["recurrence"] != nil {
			recurring++
		}
		if task["blocked"] == true {
			blocked++
		}
		if task["parent_id"] != nil {
			subtasks++
		}
		if task["action_kind"] != nil {
			actions++
		}
		if task["overdue"] == true {
			overdue++
		}
	}
	if len(all) != 15 || recurring != 2 || blocked != 1 || subtasks != 5 || actions != 1 || overdue != 1 {
		t.Fatalf("tasks %d recurring %d blocked %d subtasks %d actions %d overdue %d", len(all), recurring, blocked, subtasks, actions, overdue)
	}
	// The one who signs in has tasks of their own and an action waiting.
	mine := h.must(h.call("GET", base+"/tasks?assignee=me", token, nil), 200).Body["payload"].([]any)
	queue := h.must(h.call("GET", base+"/manual_actions?assignee=me", token, nil), 200).Body["items"].([]any)
	if len(mine) < 3 || len(queue) != 1 {
		t.Fatalf("my tasks %d, my actions %d", len(mine), len(queue))
	}
	templates := h.must(h.call("GET", base+"/task_templates", token, nil), 200).Body["payload"].([]any)
	policies := h.must(h.call("GET", base+"/task_sla_policies", token, nil), 200).Body["payload"].([]any)
	if len(templates) != 1 || len(policies) != 1 {
		t.Fatalf("templates %d policies %d", len(templates), len(policies))
	}
}
