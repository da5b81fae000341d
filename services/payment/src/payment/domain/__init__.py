"""Rules the payment service's areas share: exact money to the fen, and who sees what."""
