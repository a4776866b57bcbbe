# expect: allow
# note: statistics
import statistics

samples = [2.5, 3.1, 4.7, 3.3, 2.9, 5.0, 4.1]
print(statistics.mean(samples), statistics.median(samples), statistics.stdev(samples))
print(statistics.quantiles(samples, n=4))
