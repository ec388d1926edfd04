"""Query expressions the ORM does not spell the way PostgreSQL plans best."""

from django.db.models import BooleanField, Expression, F


class Among(Expression):
    """Whether a row's `field` is one of `values` (a queryset of one column,
    which `values(v=...)` names "v"), written as

        [NOT] EXISTS (SELECT 1 FROM (<values>) AS among WHERE among.v = <field>)

    rather than `EXISTS (SELECT ... WHERE <correlated condition>)`: the values
    are a subquery of their own, planned alone. A DISTINCT over an index range
    in the order of the column is then read in that order, and PostgreSQL can
    merge it with the outer rows instead of sorting or hashing all of it; it
    does not see that order through the correlated NOT EXISTS (an anti join's
    inner side). `~Among(...)` is NOT EXISTS.
    """

    output_field = BooleanField()

    def __init__(self, field, values, negated=False):
        super().__init__()
        self.target = F(field) if isinstance(field, str) else field
        self.values = values
        self.negated = negated

    def get_source_expressions(self):
        return [self.target]

    def set_source_expressions(self, exprs):
        (self.target,) = exprs

    def __invert__(self):
        clone = self.copy()
        clone.negated = not self.negated
        return clone

    def as_sql(self, compiler, connection):
        field_sql, field_params = compiler.compile(self.target)
        values_sql, values_params = self.values.query.get_compiler(connection=connection).as_sql()
        # Both parts are the compiler's SQL, their values passed as parameters.
        sql = f"EXISTS (SELECT 1 FROM ({values_sql}) among WHERE among.v = {field_sql})"  # noqa: S608
        return f"NOT {sql}" if self.negated else sql, (*values_params, *field_params)
