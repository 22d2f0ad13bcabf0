"""The Reports screen: utilisation, sharing, technicians' work, demand and charges."""
