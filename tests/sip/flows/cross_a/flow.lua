-- isolation: tenant cross_a sets a global; tenant cross_b must not see it
secret_of_a = "A-secret"
call:answer()
call:log("cross_a set its secret")
