"""Staff pages of casework, a module per area: work queues, case pages, access."""
