from . import cloud_budget
