"""Money without the database: session prices, fees, what a change costs, grant costing."""
