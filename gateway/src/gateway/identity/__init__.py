"""Who is calling: tenants, people, teams, machine credentials and tokens."""
