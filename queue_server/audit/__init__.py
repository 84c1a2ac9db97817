"""The audit log: every administrative change, who made it, when, and what it was before and after."""
