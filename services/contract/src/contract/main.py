"""Entry point of the contract service: `python -m contract.main api|worker`.

Its contract is in protos/crm/contract/v1; its servicer and event handlers arrive with the
issue that builds the service. Until then both processes run the shared platform parts."""

from crm_runtime.entry import api_without_rpcs, main, worker_relay_only

if __name__ == "__main__":
    main("contract", api=api_without_rpcs, worker=worker_relay_only)
