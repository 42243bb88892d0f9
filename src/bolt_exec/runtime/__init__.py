"""The live runtime: the asyncio node that connects brokers, reconciles, and keeps them up."""
