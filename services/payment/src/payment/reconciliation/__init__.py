"""Reconciliation (对账 / 核销): receipts allocated to receivables."""
