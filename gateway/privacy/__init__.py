"""A person's rights over their data (Law 91/2025/QH15; Decree 356/2025/ND-CP): the
deadlines of their requests, what the gateway holds about them, its export, and its
erasure."""
