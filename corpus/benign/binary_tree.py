# expect: allow
# note: binary search tree
class BST:
    def __init__(self) -> None:
        self.root = None

    class _Node:
        def __init__(self, key):
            self.key = key
            self.left = None
            self.right = None

    def insert(self, key) -> None:
        if self.root is None:
            self.root = self._Node(key)
            return
        node = self.root
        while True:
            if key < node.key:
                if node.left is None:
                    node.left = self._Node(key)
                    return
                node = node.left
            else:
                if node.right is None:
                    node.right = self._Node(key)
                    return
                node = node.right

    def inorder(self):
        def walk(n):
            if n:
                yield from walk(n.left)
                yield n.key
                yield from walk(n.right)

        return list(walk(self.root))


t = BST()
for k in [5, 2, 8, 1, 9]:
    t.insert(k)
print(t.inorder())
