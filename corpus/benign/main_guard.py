# expect: allow
# note: if __name__ == '__main__'
def main() -> None:
    print("running")


if __name__ == "__main__":
    main()
