"""Analytics (R31): daily rollups, the dashboard, its CSV and the weekly report."""
