"""Payment plans (回款计划) and their receivables (应收款)."""
