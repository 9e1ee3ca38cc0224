"""GradCAM's layer found in a model without hints: torchvision's ResNet layout."""

from __future__ import annotations

import torch
from torch import nn

import audit
from audit.explain._layers import last_conv_block


class BasicBlock(nn.Module):
    """torchvision's ``BasicBlock``, module names included."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet18Layout(nn.Module):
    """torchvision.models.resnet18's layout (names and blocks), narrow for a test."""

    def __init__(self, classes: int = 3, width: int = 4) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(width), nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths = [width, width * 2, width * 4, width * 8]
        cin = width
        for i, w in enumerate(widths, 1):
            stride = 1 if i == 1 else 2
            setattr(self, f"layer{i}", nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w)))
            cin = w
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_the_last_block_of_a_resnet_layout_is_found():
    model = ResNet18Layout()
    name, layer = last_conv_block(model)
    assert name == "layer4.1" and layer is model.layer4[1]
    assert last_conv_block(nn.Sequential(nn.Linear(2, 2))) is None


def test_gradcam_runs_on_the_found_layer_and_says_so():
    torch.manual_seed(0)
    X = torch.rand(48, 3, 32, 32)
    y = (X[:, 0].mean(dim=(1, 2)) > 0.5).long()
    model = ResNet18Layout(classes=2).eval()
    subject = audit.Subject(model, (X, y), (X, y), modality="image")
    config = {"explainability": {"methods": ["gradcam"], "n_samples": 8, "trust_samples": 2}}
    section = audit.run(subject, checks=["explainability"], config=config).section("explainability")
    assert any("reads 'layer4.1', the model's last convolutional block" in n for n in section.notes)
    spearman = section.metric("randomization_spearman[gradcam]").value
    assert spearman is not None and -1.0 <= spearman <= 1.0
    assert "attribution_maps" in {t.id for t in section.tables}


def test_hirescam_reads_the_same_found_layer_as_gradcam():
    from audit.explain._methods import METHODS
    from audit.explain._section import context
    from audit.settings import ExplainSettings

    torch.manual_seed(0)
    X = torch.rand(16, 3, 32, 32)
    y = (X[:, 0].mean(dim=(1, 2)) > 0.5).long()
    model = ResNet18Layout(classes=2).eval()
    subject = audit.Subject(model, (X, y), (X, y), modality="image")
    ctx = context(subject, ExplainSettings(), seed=0)
    assert ctx.hints["gradcam_layer"] is model.layer4[1]
    target = torch.zeros(4, dtype=torch.long)
    maps = {n: METHODS[n].explain(ctx, X[:4], target).attributions for n in ("gradcam", "hirescam")}
    # layer4.1 feeds global average pooling and one Linear layer: the two maps coincide
    assert maps["hirescam"].shape == (4, 3, 32, 32)
    assert torch.allclose(
        torch.from_numpy(maps["hirescam"]), torch.from_numpy(maps["gradcam"]), atol=1e-6
    )
