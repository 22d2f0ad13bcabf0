"""Full-screen views of the TUI, one module per screen."""
