"""The data-quality rules: the rule list (`rules`, published as `dq_rule`) and the functions that find them —
on one figure (`figures`), across figures and boroughs (`series`) and in free text (`personal_data`)."""
