"""The case portal: log a case from any help page, support levels and their clocks, the agent console."""
