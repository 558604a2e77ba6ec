from . import billbyte_revenue_line
