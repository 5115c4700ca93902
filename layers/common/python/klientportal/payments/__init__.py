"""Outgoing payments: payment batches frozen from the payment proposal, their approval (step-up,
four eyes, bound to the content hash), the hand-off to the bank and its status, and the approval
of supplier bank-account changes (docs/payments.md)."""
