# expect: allow
# note: inheritance and super()
class Animal:
    def __init__(self, name: str) -> None:
        self.name = name

    def speak(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return f"{self.__class__.__name__}({self.name})"


class Dog(Animal):
    def __init__(self, name: str, breed: str) -> None:
        super().__init__(name)
        self.breed = breed

    def speak(self) -> str:
        return "woof"


class Puppy(Dog):
    def speak(self) -> str:
        return super().speak().upper()


for a in (Dog("rex", "lab"), Puppy("bit", "pug")):
    print(a, a.speak(), isinstance(a, Animal), issubclass(type(a), Dog))
