"""Impact reports: utilisation, sharing, technicians' work and demand."""
