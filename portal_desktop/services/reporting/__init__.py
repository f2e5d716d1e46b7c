"""The figures managers read: KPIs exactly as KPIS.md defines them, the dashboard's charts, the
daily rollups they are summed from, and the reports as tables."""
