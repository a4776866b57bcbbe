# expect: allow
# note: list/dict/set comprehensions and generators
words = ["apple", "banana", "cherry", "date"]
lengths = {w: len(w) for w in words}
vowels = {ch for w in words for ch in w if ch in "aeiou"}
squares = [n * n for n in range(10) if n % 2 == 0]
total = sum(len(w) for w in words)
matrix = [[i * j for j in range(3)] for i in range(3)]
print(lengths, sorted(vowels), squares, total, matrix)
