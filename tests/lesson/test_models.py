import pytest
import torch
from torch import nn

from digitnet.errors import SettingsError
from digitnet.lesson.losses import mnist_loss
from digitnet.lesson.models import LinearModel, build_model, check_hidden, make_mlp
from digitnet.lesson.settings import Settings, parameter_count


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def layer_sizes(model):
    return [(layer.in_features, layer.out_features) for layer in model if isinstance(layer, nn.Linear)]


def test_linear_model_is_from_scratch():
    model = LinearModel()
    assert not isinstance(model, nn.Module)
    assert [name for name, _ in model.named_parameters()] == ["weights", "bias"]
    assert model.weights.shape == (784, 1) and model.bias.shape == (1,)
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    x = torch.rand(5, 784)
    assert torch.allclose(model(x), x @ model.weights + model.bias)


def test_linear_gradients_match_finite_differences():
    model = LinearModel(generator=seeded())
    # float64 copies, so that finite differences are accurate
    model.weights = model.weights.detach().double().requires_grad_()
    model.bias = model.bias.detach().double().requires_grad_()
    x = torch.rand(8, 784, generator=seeded(1), dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1], dtype=torch.float64).unsqueeze(1)

    def loss():
        return mnist_loss(model(x), y)

    loss().backward()
    eps = 1e-6
    for p in model.parameters():
        for i in [0, p.numel() // 2, p.numel() - 1]:
            with torch.no_grad():
                p.view(-1)[i] += eps
                up = loss().item()
                p.view(-1)[i] -= 2 * eps
                down = loss().item()
                p.view(-1)[i] += eps
            assert p.grad.view(-1)[i].item() == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-10)


def test_linear_gradcheck():
    model = LinearModel(n_outputs=3, generator=seeded())
    x = torch.rand(4, 784, generator=seeded(1), dtype=torch.float64)

    def outputs(weights, bias):
        model.weights, model.bias = weights, bias
        return model(x)

    weights = model.weights.detach().double().requires_grad_()
    bias = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(outputs, (weights, bias), fast_mode=True)


def test_mlp_layers():
    model = make_mlp()
    assert layer_sizes(model) == [(784, 40), (40, 20), (20, 1)]
    assert [type(layer) for layer in model] == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    assert model(torch.rand(3, 784)).shape == (3, 1)


def test_mlp_hidden_sizes_configurable():
    assert layer_sizes(build_model("mlp", hidden=(64,))) == [(784, 64), (64, 1)]
    assert layer_sizes(build_model("mlp", hidden=[5, 6, 7])) == [(784, 5), (5, 6), (6, 7), (7, 1)]


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_ten_outputs(kind):
    model = build_model(kind, n_outputs=10)
    assert model(torch.rand(2, 784)).shape == (2, 10)


def test_scaled_init():
    model = build_model("mlp", generator=seeded())
    first, second = model[0], model[2]
    assert first.weight.std().item() == pytest.approx(784**-0.5, rel=0.03)
    assert second.weight.std().item() == pytest.approx(40**-0.5, rel=0.2)
    assert all((layer.bias == 0).all() for layer in model[::2])
    linear = LinearModel(generator=seeded())
    assert linear.weights.std().item() == pytest.approx(784**-0.5, rel=0.1)
    assert (linear.bias == 0).all()


def test_randn_init():
    model = build_model("mlp", init="randn", generator=seeded())
    assert model[0].weight.std().item() == pytest.approx(1, rel=0.03)
    linear = LinearModel(init="randn", generator=seeded())
    assert linear.weights.std().item() == pytest.approx(1, rel=0.1)
    assert linear.bias.item() != 0


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_generator_makes_init_reproducible(kind):
    def params(seed):
        return [p.detach() for p in build_model(kind, generator=seeded(seed)).parameters()]

    assert all(torch.equal(a, b) for a, b in zip(params(1), params(1)))
    assert not torch.equal(params(1)[0], params(2)[0])


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_count_parameters():
    assert count_parameters(LinearModel()) == 784 + 1
    assert count_parameters(make_mlp()) == (784 * 40 + 40) + (40 * 20 + 20) + (20 + 1)


@pytest.mark.parametrize(("kind", "hidden", "digits"), [
    ("linear", (40, 20), (2, 6)), ("linear", (40, 20), "all"), ("mlp", (40, 20), (2, 6)), ("mlp", (512,) * 4, "all"),
    ("mlp", (7,), (2, 6)),
])
def test_parameter_count_is_the_models(kind, hidden, digits):
    settings = Settings(model=kind, hidden=hidden, digits=digits).checked()
    model = build_model(kind, settings.n_outputs, hidden)
    assert parameter_count(settings.layer_sizes) == count_parameters(model)


def test_bad_choices():
    with pytest.raises(SettingsError, match="model must be one of linear, mlp; got 'cnn'"):
        build_model("cnn")
    with pytest.raises(SettingsError, match="init must be one of scaled, randn"):
        build_model("linear", init="zeros")


@pytest.mark.parametrize("hidden", [(), (0,), (1025,), (8,) * 5, ("a",), None])
def test_bad_hidden_sizes(hidden):
    with pytest.raises(SettingsError, match="hidden sizes"):
        check_hidden(hidden)
