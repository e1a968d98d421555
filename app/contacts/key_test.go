package contacts

import "testing"

func TestKeyFromName(t *testing.T) {
	for in, want := range map[string]string{
		"Tax ID": "tax_id", "Situação do Cliente": "situacao_do_cliente", "2ª via": "f_2a_via",
		"  --Plano--  ": "plano", "CPF/CNPJ": "cpf_cnpj", "!!!": "", "Ñandú": "nandu",
	} {
		if got := KeyFromName(in); got != want {
			t.Errorf("KeyFromName(%q) = %q, want %q", in, got, want)
		}
	}
}
