import Audit
import PostgresNIO
print("x")
