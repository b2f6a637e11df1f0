"""The modules of the portal benchmark, bench/portal.py (its docstring says what it measures and how): the
server in a child process and its profiling, the load-generating clients, the submission phases, and the
console's pages at scale."""
