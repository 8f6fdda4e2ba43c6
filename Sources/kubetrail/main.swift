import Audit
print("x")
