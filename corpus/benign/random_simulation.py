# expect: allow
# note: random with a seed
import random

rng = random.Random(42)
rolls = [rng.randint(1, 6) for _ in range(1000)]
print(sum(rolls) / len(rolls), rng.choice(["a", "b"]), rng.sample(range(10), 3))
random.seed(1)
deck = list(range(52))
random.shuffle(deck)
print(deck[:5], random.random() < 1)
