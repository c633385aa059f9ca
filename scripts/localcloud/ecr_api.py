"""ECR PutImage into an IMMUTABLE repository with a tag another image holds: AWS refuses with
ImageTagAlreadyExistsException ("cannot be overwritten because the repository is immutable");
moto refuses with ImageAlreadyExistsException, AWS's answer for pushing the very same image
under the same tag again. The shim answers AWS's error for a different image; the same image
still gets ImageAlreadyExistsException.
"""

import moto.ecr.models as ecr_models
from moto.core.exceptions import ServiceException

class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"


_moto_put_image = ecr_models.ECRBackend.put_image


def _put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs):  # type: ignore[no-untyped-def]
    repository = self.repositories.get(repository_name)
    if (
        repository is not None
        and image_tag
        and repository.image_tag_mutability == "IMMUTABLE"
        and any(image_tag in image.image_tags and image.image_manifest != image_manifest for image in repository.images)
    ):
        raise ImageTagAlreadyExistsException(
            f"The image tag '{image_tag}' already exists in the '{repository_name}' repository "
            "and cannot be overwritten because the repository is immutable."
        )
    return _moto_put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs)


ecr_models.ECRBackend.put_image = _put_image  # type: ignore[method-assign]
