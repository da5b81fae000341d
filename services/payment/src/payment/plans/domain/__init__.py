"""Payment plans (回款计划) and their receivables (应收款): how a contract value is split
into instalments, when each is due, and what state it is in. Pure: no I/O.

- An instalment is an amount or a percentage of the contract value. Percentages are
  rounded half up to the fen and the last instalment takes what is left, so the
  instalments add up exactly to the value. The instalments as given must already add up
  exactly (amounts + value x percentages / 100 = value): a plan that is a fen short is
  refused, never stretched.
- A due date follows a rule: a fixed date, the signing date, N days after signing, the
  end of the signing month + N days, or N days after a milestone (acceptance,
  delivery...) whose day is known only when it is reached (`reach_milestone`).
- A receivable's status is a function of its due date, what was paid and the day:
  upcoming (due later, or waiting for its milestone) -> due (today) -> overdue, partially
  paid while part is open and not past due; paid, written off and disputed are set by
  the payment and finance steps and never moved by the calendar.
Dates are calendar days in the tenant's zone (China Standard Time for every tenant now).
"""
