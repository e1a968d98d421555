package crm

// Template is a ready-made pipeline for a kind of business, offered when a pipeline is created
// so nobody starts from an empty board.
type Template struct {
	Key         string          `json:"key"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Stages      []TemplateStage `json:"stages"`
}

// TemplateStage is a stage a template creates.
type TemplateStage struct {
	Name        string `json:"name"`
	Color       string `json:"color"`
	Probability int    `json:"probability"`
	Kind        string `json:"kind"`
}

// text is a phrase in both of the product's languages.
type text struct{ en, pt string }

func (t text) in(lang string) string {
	if lang == "en" || lang == "en-US" {
		return t.en
	}
	return t.pt // pt-BR is the default account language
}

type tmplStage struct {
	name  text
	color string
	prob  int
}

type tmpl struct {
	key        string
	name, desc text
	stages     []tmplStage
}

var (
	won  = tmplStage{text{"Won", "Ganho"}, "#16a34a", 100}
	lost = tmplStage{text{"Lost", "Perdido"}, "#dc2626", 0}
)

// templates are the niches of the spec's "pipeline templates", each ending with Won and Lost.
var templates = []tmpl{
	{"b2b_sales", text{"B2B sales", "Vendas B2B"}, text{"Qualify, present and negotiate with companies", "Qualifique, apresente e negocie com empresas"}, []tmplStage{
		{text{"Lead", "Lead"}, "#64748b", 10}, {text{"Qualified", "Qualificado"}, "#0ea5e9", 25},
		{text{"Meeting", "Reunião"}, "#6366f1", 40}, {text{"Proposal", "Proposta"}, "#a855f7", 60},
		{text{"Negotiation", "Negociação"}, "#f59e0b", 80}, won, lost}},
	{"real_estate", text{"Real estate", "Imobiliária"}, text{"From the first contact to the signed contract", "Do primeiro contato ao contrato assinado"}, []tmplStage{
		{text{"New lead", "Novo lead"}, "#64748b", 10}, {text{"Visit scheduled", "Visita agendada"}, "#0ea5e9", 30},
		{text{"Visit done", "Visita realizada"}, "#6366f1", 50}, {text{"Offer", "Proposta"}, "#a855f7", 70},
		{text{"Paperwork", "Documentação"}, "#f59e0b", 90}, won, lost}},
	{"ecommerce", text{"E-commerce", "E-commerce"}, text{"Carts, checkouts and payments", "Carrinhos, checkouts e pagamentos"}, []tmplStage{
		{text{"Interested", "Interessado"}, "#64748b", 20}, {text{"Cart", "Carrinho"}, "#0ea5e9", 40},
		{text{"Checkout", "Checkout"}, "#6366f1", 60}, {text{"Awaiting payment", "Aguardando pagamento"}, "#f59e0b", 80}, won, lost}},
	{"post_sales", text{"Post-sales", "Pós-venda"}, text{"Keep customers after the sale: delivery, follow-up, upsell", "Cuide do cliente depois da venda: entrega, acompanhamento, upsell"}, []tmplStage{
		{text{"Delivered", "Entregue"}, "#64748b", 20}, {text{"Follow-up", "Acompanhamento"}, "#0ea5e9", 40},
		{text{"Satisfaction survey", "Pesquisa de satisfação"}, "#6366f1", 60}, {text{"Upsell", "Upsell"}, "#f59e0b", 80}, won, lost}},
	{"onboarding", text{"Onboarding", "Onboarding"}, text{"Bring new customers to their first result", "Leve novos clientes ao primeiro resultado"}, []tmplStage{
		{text{"Kick-off", "Kick-off"}, "#64748b", 20}, {text{"Setup", "Configuração"}, "#0ea5e9", 40},
		{text{"Training", "Treinamento"}, "#6366f1", 60}, {text{"Go-live", "Go-live"}, "#f59e0b", 80}, won, lost}},
	{"services", text{"Services", "Serviços"}, text{"Quotes and service orders", "Orçamentos e ordens de serviço"}, []tmplStage{
		{text{"Request", "Solicitação"}, "#64748b", 10}, {text{"Site visit", "Visita técnica"}, "#0ea5e9", 30},
		{text{"Quote sent", "Orçamento enviado"}, "#6366f1", 50}, {text{"Approval", "Aprovação"}, "#f59e0b", 75}, won, lost}},
}

// Templates lists the pipeline templates in the account's language ("en" or "pt-BR").
func Templates(lang string) []Template {
	out := make([]Template, 0, len(templates))
	for _, t := range templates {
		out = append(out, t.in(lang))
	}
	return out
}

func (t tmpl) in(lang string) Template {
	v := Template{Key: t.key, Name: t.name.in(lang), Description: t.desc.in(lang), Stages: make([]TemplateStage, 0, len(t.stages))}
	for i, s := range t.stages {
		kind := StageOpen
		switch {
		case i == len(t.stages)-2:
			kind = StageWon
		case i == len(t.stages)-1:
			kind = StageLost
		}
		v.Stages = append(v.Stages, TemplateStage{Name: s.name.in(lang), Color: s.color, Probability: s.prob, Kind: kind})
	}
	return v
}

func templateByKey(key, lang string) (Template, bool) {
	for _, t := range templates {
		if t.key == key {
			return t.in(lang), true
		}
	}
	return Template{}, false
}
