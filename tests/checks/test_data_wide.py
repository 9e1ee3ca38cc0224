"""The data check on wide inputs (images): summaries per channel instead of every pixel."""

import pytest
import torch

import audit
from audit.checks import _data as data


class _Mean(torch.nn.Module):
    def forward(self, x):
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([-m, m], dim=1)


def test_wide_images_are_summarised_per_channel_and_a_brightness_shift_is_found():
    g = torch.Generator().manual_seed(0)
    train = torch.rand(120, 3, 24, 24, generator=g)  # 1,728 values per row: summarised
    test = (torch.rand(120, 3, 24, 24, generator=g) + torch.tensor([0.2, 0.0, 0.0])[:, None, None])
    y = torch.arange(120) % 2
    hints = audit.ExplainHints(channel_names=["red", "green", "blue"])
    subject = audit.Subject(_Mean(), (train, y), (test, y), modality="image", explain=hints)
    section = data.run(subject)
    shift = {row[0]: row for row in section.table("shift").rows}
    assert sorted(shift) == sorted(f"{c} {s}" for c in ("red", "green", "blue")
                                   for s in ("mean", "std", "min", "max"))
    smd = shift["red mean"][2]
    # the red mean moves by 0.2 against a per-image sd of about 0.29/sqrt(576) = 0.012
    expected = 0.2 / float(train[:, 0].mean(dim=(1, 2)).std())
    assert smd == pytest.approx(expected, rel=0.1) and shift["red mean"][-1] == "mean and distribution"
    assert abs(shift["green mean"][2]) < 0.5
    assert any("1,728 values per row are summarised per channel" in n for n in section.notes)
