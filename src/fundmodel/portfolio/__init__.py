"""District portfolios: many compounds on one compound axis, budget phasing and shared-service
areas."""
