# expect: allow
# note: graphlib topological sort
from graphlib import TopologicalSorter

deps = {"app": {"lib", "utils"}, "lib": {"utils"}, "utils": set()}
print(list(TopologicalSorter(deps).static_order()))
