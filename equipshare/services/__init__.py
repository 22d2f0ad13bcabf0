"""Services: one transaction per public call, frozen records out, permissions checked inside."""
